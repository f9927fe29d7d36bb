"""Weight formats: Google TF checkpoints, Hugging Face directories, bertkit's own saves."""
