"""The harness: catalogue of models, agreement rows, timing, data sets, reports and the CLI."""
