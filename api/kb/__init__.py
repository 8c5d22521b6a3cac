"""/api/v1/kb: the knowledge base drafts are written from."""
