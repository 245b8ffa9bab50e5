"""Server-rendered pages (Jinja2): the operators' entry screen."""
