from snasio import route


class Database:
    pass


@route("/missing")
def needs_database(db: Database):
    return "never"
