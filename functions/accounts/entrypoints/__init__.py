"""The accounts Lambda handlers other than the HTTP app: the internal invoke, the interest run."""
