"""Prediction: `Predictor` objects that hold a model, its tokenizer and its labels."""

from bertkit.prediction.predictor import Predictor, load_predictor

__all__ = ["Predictor", "load_predictor"]
