"""OAuth 2.0: the token endpoint and, for embedding, the authorization endpoint."""
