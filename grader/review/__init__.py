"""`grade review`: a grading workspace in the browser for the free-text (manual) items.

`store.py` reads and writes the gradebook (scores through the sheet import's code), `app.py` is
the Starlette app (pages, forms, the security middleware), `normalize.py` the key that groups
identical answers, `serve.py` binds the socket and runs uvicorn. Templates and the one
stylesheet and script are package data: nothing is loaded from the network.
"""
