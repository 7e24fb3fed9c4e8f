# The handler the README's first example packages (`Code.fromAsset('handler')`): each language's
# app synthesizes it from the same directory contents, so the asset hashes in the templates agree.
def handler(event, context):
    return {"statusCode": 200}
