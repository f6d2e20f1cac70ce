"""Journey: the secretariat writes a campaign, watches the live count, previews it, schedules it."""

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from pact_tracker.campaigns.models import OutboxMessage, OutboxStatus
from pact_tracker.campaigns.services import campaigns, suppress_address
from pact_tracker.coalition.services import people
from pact_tracker.core.activity import commit
from pact_tracker.core.types import utcnow
from pact_tracker.programmes.models import Programme


def _flash(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def _count(page: Page, key: str):
    return page.locator(f"[data-audience-count] [data-count={key}]")


def test_secretariat_composes_previews_and_schedules_a_campaign(
    page, world, sign_in_secretariat, screenshot
):
    secretariat = world.secretariat()
    programme = world.programme_with_proposal()
    french = world.organisation(country="FR")
    belgian = world.organisation(country="BE", organisation_type="association")
    for organisation in (french, belgian):
        world.approved_commitment(organisation, programme_code=programme.code)
    admin = page

    sign_in_secretariat(admin, secretariat)
    admin.goto("/admin/")
    admin.get_by_role("navigation", name="Back office").get_by_role(
        "link", name="Campaigns"
    ).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Campaigns")
    admin.get_by_role("link", name="New campaign").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("New campaign")

    # The live count follows the filters, without saving anything.
    admin.get_by_label("Programmes").select_option(label=programme.name)
    expect(_count(admin, "people")).to_have_text("2")
    expect(_count(admin, "signatories")).to_have_text("2")
    admin.get_by_label("Countries").select_option(label="France")
    expect(_count(admin, "people")).to_have_text("1")
    expect(_count(admin, "signatories")).to_have_text("1")
    expect(admin.get_by_role("button", name="Count the recipients")).to_have_count(0)

    admin.get_by_label("Name", exact=True).fill("Progress before the summit")
    admin.get_by_label("Subject (English)").fill("Your progress, {{ recipient_name }}")
    admin.get_by_label("Body (English)").fill(
        "Hello {{ recipient_name }},\n\n[Report progress](<{{ update_url }}>) "
        "for {{ signatory_name }}."
    )
    screenshot(admin, "campaign-compose")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(_flash(admin, "The campaign Progress before the summit was saved.")).to_be_visible()
    expect(admin.locator("[data-campaign-status]")).to_have_text("Draft")
    expect(admin.locator("[data-audience-now]")).to_contain_text("People: 1 · signatories: 1")

    # The preview shows what the French member would receive.
    admin.get_by_role("navigation", name="This campaign").get_by_role(
        "link", name="Preview and test"
    ).click()
    expect(admin.locator("[data-preview-subject]")).to_have_text(
        f"Your progress, {french.member.name}"
    )
    expect(
        admin.locator("[data-preview-html]").get_by_role("link", name="Report progress")
    ).to_be_visible()
    expect(admin.locator("[data-preview-text]")).to_contain_text(f"for {french.name}.")
    screenshot(admin, "campaign-preview")

    # Scheduled at a date and time in UTC.
    campaign_tabs = admin.get_by_role("navigation", name="This campaign")
    campaign_tabs.get_by_role("link", name="Status and progress").click()
    admin.get_by_label("At a date and time (UTC)").check()
    admin.get_by_label("Date and time (UTC)", exact=True).fill("2031-05-04T09:30")
    admin.get_by_role("button", name="Schedule", exact=True).click()
    expect(_flash(admin, "The campaign is scheduled for 2031-05-04 09:30 UTC.")).to_be_visible()
    expect(admin.locator("[data-campaign-status]")).to_have_text("Scheduled")
    expect(admin.get_by_role("button", name="Unschedule (back to draft)")).to_be_visible()

    # Paused before it starts, it waits; resumed, it is scheduled again.
    admin.get_by_label("Reason (optional)").fill("Waiting for the figures")
    admin.get_by_role("button", name="Pause").click()
    expect(_flash(admin, "it will not start until you resume it")).to_be_visible()
    expect(admin.locator("[data-campaign-status]")).to_have_text("Paused")
    admin.get_by_role("button", name="Resume").click()
    expect(_flash(admin, "The campaign is scheduled again")).to_be_visible()
    expect(admin.locator("[data-campaign-status]")).to_have_text("Scheduled")


def _running_campaign(world, live_db, name: str) -> tuple:
    """A campaign to one organisation's member, started: its author, the organisation, its id."""
    secretariat = world.secretariat()
    programme = world.programme_with_proposal()
    organisation = world.organisation()
    world.approved_commitment(organisation, programme_code=programme.code)
    author = people.find_user_by_email(secretariat.email)
    programme_id = live_db.session.scalar(
        sa.select(Programme.id).where(Programme.code == programme.code)
    )
    campaign = campaigns.create_campaign(
        {
            "name": name,
            "audience": {"programme_ids": [programme_id]},
            "contents": {"en": {"subject": "Your progress", "body": "<{{ update_url }}>"}},
        },
        author,
    )
    campaigns.schedule_campaign(campaign, None, author)
    campaigns.start_campaign(campaign, utcnow())
    campaign_id = campaign.id
    return secretariat, organisation, campaign_id


def test_the_campaign_page_follows_a_running_campaign_live(
    page, world, live_db, sign_in_secretariat
):
    secretariat, _, campaign_id = _running_campaign(world, live_db, "Live progress call")
    commit()
    # No transaction left open: on SQLite it would keep the live server from writing.
    live_db.session.close()

    sign_in_secretariat(page, secretariat)
    page.goto(f"/admin/campaigns/{campaign_id}")
    expect(page.locator("[data-campaign-status]")).to_have_text("Running")
    expect(page.locator("[data-progress=queued]")).to_have_text("1")
    expect(page.locator("[data-progress=sent]")).to_have_text("0")

    # The dispatcher sends the message: the page shows it without being reloaded.
    message = live_db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
    ).one()
    message.status, message.sent_at, message.last_reply = OutboxStatus.sent, utcnow(), "250 Ok"
    commit()
    live_db.session.close()
    expect(page.locator("[data-progress=sent]")).to_have_text("1")
    expect(page.locator("[data-progress=queued]")).to_have_text("0")

    # The worker marks it finished: the page shows the new status and its buttons.
    assert campaigns.finish_done_campaigns(utcnow()) >= 1
    commit()
    live_db.session.close()
    expect(page.locator("[data-campaign-status]")).to_have_text("Finished")
    expect(page.get_by_role("button", name="Pause")).to_have_count(0)


def test_the_secretariat_lifts_a_bounced_address_then_resends_and_counts_it_once(
    page, world, live_db, sign_in_secretariat
):
    secretariat, organisation, campaign_id = _running_campaign(world, live_db, "Bounced call")
    message = live_db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
    ).one()
    message.status, message.last_reply = OutboxStatus.failed, "550 5.1.1 no such user"
    suppress_address(organisation.member.email, "bounce: 550 5.1.1 no such user")
    campaigns.finish_done_campaigns(utcnow())
    commit()
    live_db.session.close()

    sign_in_secretariat(page, secretariat)
    page.goto(f"/admin/campaigns/{campaign_id}")
    expect(page.locator("[data-progress=failed]")).to_have_text("1")
    held = page.locator(f'[data-held="{organisation.member.email}"]')
    expect(held).to_contain_text("the address is suppressed since")
    expect(held).to_contain_text("bounce: 550 5.1.1 no such user")
    expect(page.get_by_role("button", name="Resend to failed recipients")).to_have_count(0)

    held.get_by_role("button", name="Lift the suppression").click()
    expect(_flash(page, "will receive mail again")).to_be_visible()
    expect(page.locator("[data-held-back]")).to_have_count(0)
    page.get_by_role("button", name="Resend to failed recipients").click()
    expect(_flash(page, "1 messages will be sent again.")).to_be_visible()
    expect(page.locator("[data-campaign-status]")).to_have_text("Running")
    expect(page.locator("[data-progress=recipients]")).to_have_text("1")
    expect(page.locator("[data-progress=queued]")).to_have_text("1")
    expect(page.locator("[data-progress=failed]")).to_have_text("0")
