"""Journey: a member adopts a proposal, the secretariat asks for changes, then approves it."""

from datetime import date, timedelta

from playwright.sync_api import Page, expect


def _flash(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def _status(page: Page, status: str):
    return page.locator(f"h1 + p [data-status={status}]")


def _open_in_review_queue(admin: Page, title: str) -> None:
    admin.goto("/admin/")
    admin.get_by_role("navigation", name="Back office").get_by_role("link", name="Review").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Commitments waiting for review")
    admin.get_by_role("link", name=title, exact=True).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(title)


def test_member_adopts_a_proposal_and_it_is_approved_after_changes(
    page, new_page, world, sign_in, sign_in_secretariat
):
    secretariat = world.secretariat()
    organisation = world.organisation()
    programme = world.programme_with_proposal()
    member = page
    start = date.today()
    due = start + timedelta(days=730)

    # The member adopts a proposal of their organisation's type.
    sign_in(member, organisation.member)
    member.goto("/my/")
    member.get_by_role("link", name=organisation.name, exact=True).click()
    expect(member.get_by_role("heading", level=1)).to_have_text(organisation.name)
    tabs = member.get_by_role("navigation", name="My organisation")
    tabs.get_by_role("link", name="Adopt a proposal").click()
    section = member.locator(f"[data-programme='{programme.code}']")
    expect(section.get_by_role("heading", level=4)).to_have_text(programme.proposal_title)
    section.get_by_role("link", name="Adopt this proposal").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Adopt a proposal")
    expect(member.get_by_label("Title", exact=True)).to_have_value(programme.proposal_title)
    expect(member.get_by_label("Indicator 1: name")).to_have_value("Jobs created")
    member.get_by_label("Start date").fill(start.isoformat())
    member.get_by_label("Due date", exact=True).fill(due.isoformat())
    member.get_by_role("button", name="Save the draft").click()

    # The SMART check says what is missing before it can be submitted.
    expect(_flash(member, "Your draft commitment was saved.")).to_be_visible()
    expect(member.get_by_role("heading", level=1)).to_have_text(programme.proposal_title)
    expect(_status(member, "draft")).to_have_text("Draft")
    missing = member.locator("[data-smart-missing]")
    expect(missing).to_contain_text("Add at least one indicator with a target value.")
    expect(missing).to_contain_text("Describe the commitment in at least 200 characters")
    expect(member.get_by_role("button", name="Submit for review")).to_be_visible()

    # The member fills what the check needs, then submits.
    member.locator("[data-actions]").get_by_role("link", name="Edit").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Edit the commitment")
    member.get_by_label("Description", exact=True).fill(
        "We will hire and train **forty people** who have been out of work for more than a "
        "year, in our four workshops, with a mentor for each of them and a training plan "
        "agreed with the local employment service. We will count the jobs still held a year on."
    )
    member.get_by_label("Indicator 1: baseline").fill("0")
    member.get_by_label("Indicator 1: target").fill("40")
    member.get_by_label("Milestone 1: title").fill("First ten people hired")
    member.get_by_label("Milestone 1: due on").fill((start + timedelta(days=120)).isoformat())
    member.get_by_role("button", name="Save the draft").click()
    expect(_flash(member, "Your changes were saved.")).to_be_visible()
    expect(member.locator("[data-smart-check]")).to_have_attribute("data-smart-score", "100")
    expect(member.locator("[data-smart-missing]")).to_have_count(0)
    expect(member.locator("[data-description] strong")).to_have_text("forty people")
    member.get_by_role("button", name="Submit for review").click()
    expect(_flash(member, "Your commitment was submitted.")).to_be_visible()
    expect(_status(member, "submitted")).to_have_text("Submitted")
    expect(member.get_by_role("button", name="Submit for review")).to_have_count(0)

    # The secretariat sends it back with a comment.
    admin = new_page("secretariat")
    sign_in_secretariat(admin, secretariat)
    _open_in_review_queue(admin, programme.proposal_title)
    expect(admin.locator("[data-smart]")).to_contain_text("Every required part is there.")
    admin.get_by_label("Decision").select_option(label="Request changes")
    admin.get_by_label("Comment to the signatory").fill(
        "Please aim higher: *fifty* people, as the proposal suggests."
    )
    admin.get_by_role("button", name="Record the decision").click()
    expect(_flash(admin, "The commitment was sent back with your comment.")).to_be_visible()
    expect(_status(admin, "changes_requested")).to_have_text("Changes requested")

    # The member's home lists it as needing action, with the comment; the member opens it.
    member.goto("/my/")
    sent_back = member.locator("[data-needs-changes]")
    expect(sent_back).to_contain_text("Commitments to change and submit again")
    expect(sent_back.locator("[data-review-comment]")).to_contain_text("Please aim higher")
    sent_back.get_by_role("link", name=programme.proposal_title, exact=True).click()

    # The member sees the comment, fixes the target and submits again.
    expect(_status(member, "changes_requested")).to_have_text("Changes requested")
    comment = member.locator("[data-review-comment]")
    expect(comment).to_contain_text("The secretariat asks for changes")
    expect(comment.locator("em")).to_have_text("fifty")
    member.locator("[data-actions]").get_by_role("link", name="Edit").click()
    expect(member.locator("[data-review-comment]")).to_contain_text("Please aim higher")
    expect(member.get_by_label("Indicator 1: target")).to_have_value("40")
    member.get_by_label("Indicator 1: target").fill("50")
    member.get_by_role("button", name="Save the draft").click()
    expect(_flash(member, "Your changes were saved.")).to_be_visible()
    member.get_by_role("button", name="Submit for review").click()
    expect(_flash(member, "Your commitment was submitted.")).to_be_visible()
    expect(_status(member, "submitted")).to_be_visible()

    # The secretariat approves it.
    _open_in_review_queue(admin, programme.proposal_title)
    target_cell = admin.locator("[data-indicators] tbody tr").first.locator("td").nth(1)
    expect(target_cell).to_have_text("50")
    admin.get_by_label("Decision").select_option(label="Approve")
    admin.get_by_role("button", name="Record the decision").click()
    expect(_flash(admin, "The commitment was approved.")).to_be_visible()
    expect(_status(admin, "approved")).to_have_text("Approved")

    # The member sees it approved, with the whole exchange in its history.
    member.reload()
    expect(_status(member, "approved")).to_have_text("Approved")
    expect(member.locator("[data-review-comment]")).to_have_count(0)
    expect(member.locator("[data-actions]").get_by_role("link", name="Edit")).to_have_count(0)
    expect(member.get_by_role("link", name="Report progress")).to_be_visible()
    timeline = member.locator("[data-timeline]")
    expect(timeline.locator("[data-comment]")).to_contain_text("Please aim higher")
    expect(timeline.locator("[data-status=approved]")).to_have_count(1)
    member.goto(f"/my/{organisation.slug}/commitments")
    row = member.locator("[data-commitments] tr").filter(has_text=programme.proposal_title)
    expect(row.locator("[data-status]")).to_have_text("Approved")
