"""Starting a knowledge-base repository of one's own: `kb init` and the files it writes."""

from defectkb.scaffold.init import InitOptions, Planned, Source, install_requirement, plan, render_ci, write

__all__ = ["InitOptions", "Planned", "Source", "install_requirement", "plan", "render_ci", "write"]
