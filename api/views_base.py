"""Bases for API views: what a public endpoint allows. Anonymous callers are limited per address (throttling.py)."""

from rest_framework import generics, permissions

from api.permissions import TokenScopeAllows


class PublicListView(generics.ListAPIView):
    permission_classes = [permissions.AllowAny, TokenScopeAllows]


class PublicRetrieveView(generics.RetrieveAPIView):
    permission_classes = [permissions.AllowAny, TokenScopeAllows]
