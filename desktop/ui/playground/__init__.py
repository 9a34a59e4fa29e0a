"""The playground: one tab per prompt, with its messages, variables and model columns."""
