from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self):
        from assessments.requirements import quiz_requirements
        from courses.models import CoursePage
        from courses.requirements import requirement_provider_register

        # Quizzes live under courses; courses does not know of them.
        if "assessments.QuizPage" not in CoursePage.subpage_types:
            CoursePage.subpage_types = [
                *CoursePage.subpage_types,
                "assessments.QuizPage",
            ]
        requirement_provider_register(quiz_requirements)
