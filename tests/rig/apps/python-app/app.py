"""The rig's demo python app (tests/rig/apps/python-app): answers every request
with GREETING from its environment and the answer of a query to its
PostgreSQL database (DATABASE_URL), through Debian's python3-psycopg2."""
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

import psycopg2


def db_answer():
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "none"
    try:
        with psycopg2.connect(url, connect_timeout=3) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS visits (n serial PRIMARY KEY)")
            cur.execute("INSERT INTO visits DEFAULT VALUES RETURNING n")
            return "visit %d" % cur.fetchone()[0]
    except Exception as e:  # shown in the page: the test says what went wrong
        return "error " + str(e).splitlines()[0]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = "app=python\ngreeting=%s\ndb=%s\n" % (os.environ.get("GREETING", ""), db_answer())
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print("python app listening on %d" % port, flush=True)
    HTTPServer(("0.0.0.0", port), Handler).serve_forever()
