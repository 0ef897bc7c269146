"""Everything that touches the outside: CLI, renderers, registry sources, storage, bootstrap."""
