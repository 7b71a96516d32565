from django.http import Http404
from django.shortcuts import get_object_or_404, render

from competencies.models import Framework
from competencies.selectors import framework_get_default, framework_tree


def framework_detail(request, code=None):
    """The public, bilingual page of a framework: clusters, competences, levels."""
    if code:
        framework = get_object_or_404(Framework, code=code)
    else:
        framework = framework_get_default()
        if framework is None:
            raise Http404
    return render(
        request,
        "competencies/framework_detail.html",
        {
            "framework": framework,
            "areas": framework_tree(framework=framework),
            "levels": framework.levels.all(),
            "other_frameworks": Framework.objects.exclude(pk=framework.pk),
        },
    )
