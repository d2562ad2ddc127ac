"""Git: what a change touches, which ids the target branch holds, and who wrote each entry when."""
