"""archiver: backups for Azure AI Language authoring projects."""

__version__ = "0.1.0"
