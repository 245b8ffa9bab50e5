"""HTTP: FastAPI routers and the access rule every route declares."""
