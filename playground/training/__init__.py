"""Qt-free training: a trainer that reports through a plain callback."""
