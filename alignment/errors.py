"""Failure classes shared by the library and the job engine.

A UserError is the user's mistake (bad config, missing model): shown as is, never retried.
A TransientError may succeed on a later attempt (out of memory, a busy device): retried.
"""


class UserError(Exception):
    pass


class TransientError(Exception):
    pass
