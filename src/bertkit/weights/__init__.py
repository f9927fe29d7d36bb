"""Weight formats: Google TF checkpoints (read in pure Python: CRC32C, protobuf wire format,
SSTable, tensor bundle), Hugging Face directories, bertkit's own saves, the name table between
them, and any Keras model's weights by variable path (`model_weights`, what predictors save)."""
