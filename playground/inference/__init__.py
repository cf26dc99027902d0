"""Using a trained model: compiled search (greedy, beam, sampling), the string-level
predictor, held-out evaluation and music generation. Imports nothing from training."""
