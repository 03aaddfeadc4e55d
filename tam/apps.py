from django.apps import AppConfig


class TamConfig(AppConfig):
    name = "tam"
