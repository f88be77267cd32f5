from django.urls import path

from api import views_tokens

app_name = "api_tokens"

urlpatterns = [
    path("", views_tokens.token_list, name="list"),
    path("<int:token_id>/revoke/", views_tokens.token_revoke_view, name="revoke"),
]
