"""Texts of the Help menu."""

GETTING_STARTED = """Seq2Seq Playground in three steps:

1. Data — pick a built-in dataset (digits:reverse is ready) or open your own file: sentence \
pairs (Tatoeba/Anki .txt, TSV, CSV), a text file, or MIDI tunes. Press Load and look at the \
preview.

2. Train — choose a decoder mode on the Model tab (basic, feedback, peek, attention), then press \
Train. Loss curves update live; Pause, Resume and Stop work at any time. When the run ends, its \
test-split scores and mistakes are shown, and Runs compares it with earlier runs. Train more (Ctrl+M) continues the model in use, a finished, stopped or opened one, for more epochs.

3. Translate or Generate — type a sentence on the Translate tab (attention models show a \
heatmap), or generate text or music from a seed. Save the model (Ctrl+S) or export it (Ctrl+E).

This page is under Help → Getting started (F1)."""
