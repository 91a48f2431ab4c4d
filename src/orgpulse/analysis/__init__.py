"""Organisational symptoms from issue histories: per team and ISO week, with pandas.

The store builds `frames.Frames`; `run.detect` turns them into an `AnalysisResult` (result.py)
with `settings.AnalysisSettings`. Detectors live in `detectors/`, one module per symptom.
"""
