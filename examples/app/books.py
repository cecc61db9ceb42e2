"""A typed book catalogue: parameters and bodies declared by annotation.

The server reads each handler's signature at start-up and checks every
request on the reactor before Python runs: `book_id` comes from the path as
an int, `q` and `limit` from the query, a `NewBook` from the JSON body. A
request that does not fit is answered 422 with the reasons, as RFC 9457
problem details, and the handler never sees it. What a handler returns
(dataclasses, dates, enums) is turned into JSON natively.

    curl 'http://127.0.0.1:8000/books?q=dune&limit=5'
    curl -X POST -H 'Content-Type: application/json' \\
         -d '{"title": "Dune", "year": 1965, "genre": "sf"}' http://127.0.0.1:8000/books
    curl http://127.0.0.1:8000/books/abc      # 422: book_id is not an integer
    curl http://127.0.0.1:8000/openapi.json   # every route, from the same signatures
"""

import dataclasses
import datetime
import enum
import itertools
import threading
from typing import Annotated, Optional

from snasio import Field, HTTPError, Query, Router, include_router

MAX_BOOKS = 10_000


class Genre(enum.Enum):
    sf = "sf"
    fantasy = "fantasy"
    history = "history"


@dataclasses.dataclass
class NewBook:
    title: Annotated[str, Field(min_length=1, max_length=200)]
    year: Annotated[int, Field(ge=1450, le=2100)]
    genre: Genre
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Book(NewBook):
    id: int = 0
    added: Optional[datetime.datetime] = None


class Shelf:
    """Books in memory, for as long as the server runs."""

    def __init__(self):
        self.books: dict[int, Book] = {}
        self.ids = itertools.count(1)
        self.lock = threading.Lock()  # sync handlers run on several threads

    def add(self, new: NewBook) -> Book:
        with self.lock:
            if len(self.books) >= MAX_BOOKS:
                raise HTTPError(507, f"at most {MAX_BOOKS} books")
            book = Book(**dataclasses.asdict(new), id=next(self.ids),
                        added=datetime.datetime.now(datetime.timezone.utc))
            self.books[book.id] = book
            return book


shelf = Shelf()
books = Router("/books")


@books.post("")
def add_book(new: NewBook) -> Book:
    return shelf.add(new)


@books.get("")
def find_books(q: Annotated[str, Query(max_length=50)] = "", genre: Optional[Genre] = None,
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[Book]:
    found = [b for b in shelf.books.values()
             if q.lower() in b.title.lower() and (genre is None or b.genre == genre)]
    return found[:limit]


@books.get("/{book_id}")
def one_book(book_id: int) -> Book:
    if book_id not in shelf.books:
        raise HTTPError(404, f"no book {book_id}")
    return shelf.books[book_id]


include_router(books)
