"""Pure spatial analysis: projection, validation, clustering. No Flask, no database."""
