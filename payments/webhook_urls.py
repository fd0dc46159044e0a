"""Payment gateway webhooks under /webhooks/payments/<gateway_code>/."""

urlpatterns = []
