"""Query functions, named for what they fetch. Services call these; routers never query."""
