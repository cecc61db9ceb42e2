"""A small notes API: a router, a dependency and a hook.

The routes live on a Router mounted at /notes. Each handler names what it
needs: the store by its type (a singleton dependency, made on first use and
shared by every request), the note's id by the path placeholder, the request
when it reads the body. A pre_handler hook guards the writes.

    curl -X POST -H 'X-Token: let-me-write' -d 'buy milk' http://127.0.0.1:8000/notes
    curl http://127.0.0.1:8000/notes/1
"""

import itertools
import os
import threading

from snasio import HTTPError, Provide, Request, Router, include_router, pre_handler, provide

# What a client sends in X-Token to add or delete notes.
TOKEN = os.environ.get("SNASIO_EXAMPLE_TOKEN", "let-me-write")
MAX_NOTES = 10_000


class NoteStore:
    """Notes in memory, for as long as the server runs."""

    def __init__(self):
        self._notes = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()   # blocking handlers could share it from other threads

    def add(self, text: str) -> dict:
        with self._lock:
            if len(self._notes) >= MAX_NOTES:
                raise HTTPError(507, f"at most {MAX_NOTES} notes")
            note = {"id": next(self._ids), "text": text}
            self._notes[note["id"]] = note
            return note

    def get(self, note_id: int) -> dict:
        note = self._notes.get(note_id)
        if note is None:
            raise HTTPError(404, f"no note {note_id}")
        return note

    def delete(self, note_id: int) -> None:
        with self._lock:
            if self._notes.pop(note_id, None) is None:
                raise HTTPError(404, f"no note {note_id}")

    def all(self) -> list:
        return list(self._notes.values())


provide(NoteStore, Provide(NoteStore, singleton=True))


@pre_handler
def writers_need_the_token(request: Request):
    """Runs before every Python handler: returning an answer stops the request."""
    if request.path.startswith("/notes") and request.method != "GET" and request.headers.get("x-token") != TOKEN:
        return {"error": "adding or deleting notes needs the X-Token header"}, 401
    return None  # go on


notes = Router(prefix="/notes")


@notes.route("", methods=["GET", "POST"])
def notes_list(request: Request, store: NoteStore):
    if request.method == "GET":
        return store.all()
    text = request.body if isinstance(request.body, str) else None
    if not text:
        raise HTTPError(400, "send the note's text as the body")
    return store.add(text), 201


@notes.route("/<int:note_id>", methods=["GET", "DELETE"])
def note(request: Request, note_id: int, store: NoteStore):
    if request.method == "DELETE":
        return store.delete(note_id)   # None: 204
    return store.get(note_id)


include_router(notes)
