"""Raw texts -> the processed corpus: one row per sentence, with its section, paragraph and speaker."""
