"""What an untrusted entry may contain: raw HTML, link targets, secrets and personal data."""
