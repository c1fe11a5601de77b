from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Customers and projects"

    def ready(self):
        from projects import signals  # noqa: F401 - connects the receivers
