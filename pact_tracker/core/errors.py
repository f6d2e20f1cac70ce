"""Errors raised by services, turned into messages by pages, API and CLI alike."""


class DomainError(Exception):
    """Base of the errors a user can cause and should be told about."""

    status_code = 400

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        #: Messages per field name, for forms and API error bodies.
        self.errors = errors or {}


class InvalidInput(DomainError):
    """The data breaks a rule: the fields named in ``errors`` say which."""

    status_code = 422


class NotAllowed(DomainError):
    """The user may not do this."""

    status_code = 403


class InvalidTransition(DomainError):
    """The object's current state does not allow this step."""

    status_code = 409
