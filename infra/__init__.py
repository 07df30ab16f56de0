"""Infrastructure: settings, logging, the local stack, the relay, the CLI (the composition root)."""
