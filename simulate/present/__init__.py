"""Pure renderers of typed results: tables, JSON, CSV, Markdown, figures, numbers in words."""
