"""Agents' label corrections and confirmations: the training examples the trainer exports."""
