"""The identity Lambda handlers that are not the HTTP app: the gateway's TOKEN authorizer
(`authorizer.handler`) and the first-admin bootstrap invoked after every deploy (`bootstrap.handler`)."""
