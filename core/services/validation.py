from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from core.errors import InvalidInput


def invalid_input_from(error: ValidationError) -> InvalidInput:
    """Turn a Django ValidationError into our InvalidInput with field errors in `extra`."""
    if hasattr(error, "error_dict"):
        fields = {
            ("__all__" if key == NON_FIELD_ERRORS else key): [str(m) for m in ValidationError(errs).messages]
            for key, errs in error.error_dict.items()
        }
    else:
        fields = {"__all__": [str(m) for m in error.messages]}
    first = next(iter(next(iter(fields.values()))), "")
    return InvalidInput(first, extra={"fields": fields})


def full_clean_or_raise(obj: models.Model, **kwargs) -> None:
    try:
        obj.full_clean(**kwargs)
    except ValidationError as error:
        raise invalid_input_from(error) from None
