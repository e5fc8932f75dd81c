"""Layers in PyTorch, forward only: ``torch.autograd`` gives their vector-Jacobian products."""
