"""The moto emulator's server, with its DynamoDB requests served one at a time.

DynamoDB isolates its requests: a transaction is serializable, an update of one item atomic.
moto serves each request on a thread of its own with no lock around them, and a failed
TransactWriteItems restores a copy of the whole table taken when it began, undoing what
other requests wrote meanwhile. Tests of concurrent requests (a quota under parallel
creates) need DynamoDB's isolation, so DynamoDB requests take one lock here; SQS and KMS
requests do not (an SQS long poll waits in the server and must not hold DynamoDB up).
Arguments are moto_server's.
"""

import threading

from moto import server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

_dynamodb = threading.Lock()
_serve = DomainDispatcherApplication.__call__


def _one_dynamodb_request_at_a_time(self, environ, start_response):
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
        with _dynamodb:
            return _serve(self, environ, start_response)
    return _serve(self, environ, start_response)


DomainDispatcherApplication.__call__ = _one_dynamodb_request_at_a_time

if __name__ == "__main__":
    server.main()
