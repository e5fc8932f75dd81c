"""Reference models in PyTorch; gradients from ``torch.autograd`` (named so as not to shadow torch)."""
