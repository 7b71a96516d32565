"""Keep LessonPage.course_key right when a lesson moves to another course."""

from django.dispatch import receiver
from wagtail.signals import post_page_move


@receiver(post_page_move)
def lesson_moved(sender, instance, parent_page_after=None, **kwargs):
    from courses.models import LessonPage

    if parent_page_after is not None and isinstance(instance.specific, LessonPage):
        LessonPage.objects.filter(pk=instance.pk).update(
            course_key=parent_page_after.translation_key
        )
