// The English words of the staff pages' shared header (skip link, navigation, sign-out); each
// page spreads them into its own EN dictionary. French is in the pages' HTML.

export const STAFF_EN = {
  skip: "Skip to content",
  staffNav: "Staff area",
  navHome: "Home",
  navAlbums: "Albums",
  navReview: "Validation",
  navPeople: "People",
  navAudit: "Log",
  navSettings: "Settings",
  signOut: "Sign out",
};
