"""Provider adapters behind one protocol (`routing.providers.base.Provider`)."""
