"""The Flask-free, database-free core: Open Badges 3.0 documents, proofs, DIDs, status lists, images."""
