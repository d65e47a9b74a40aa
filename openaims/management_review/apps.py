from django.apps import AppConfig


class ManagementReviewConfig(AppConfig):
    name = "openaims.management_review"
    label = "management_review"
    verbose_name = "Management review"
    nav_items = [("Management reviews", "management-reviews-list")]
