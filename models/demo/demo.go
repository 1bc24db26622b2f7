// Package demo is the synthetic-data generator: it fills a database with a synthetic hotline's life, so that a new user sees
// himoya working: accounts, months of calls, cases moving through the workflow, a crisis
// surge. Every person in it is made up: names are common first names and surnames combined at
// random, phone numbers are random digits, and the summaries and notes are templates that
// name nobody.
//
// Sizing: a later issue needs a database of 1,000,000 cases and 3,000,000 calls to measure
// himoya under a real hotline's history. The generator is written for that: it walks the days
// in order, keeps in memory only the chunk of cases it is writing (plus a bounded pool of
// recent callers who call again), writes each chunk in one transaction with CreateInBatches,
// and takes its volume from Options.Cases when set instead of from the number of months.

package demo

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"himoya/models"
	"himoya/models/stats"
)

// Options sizes and seeds the demo data.
type Options struct {
	// Months is the length of the hotline's history, ending at Now (default 4).
	Months int
	// Cases, when not 0, is the number of cases to make, spread over the months; otherwise it
	// follows from the months (about eight new cases on a working day, more in the surge).
	Cases int
	// Seed makes the data reproducible: the same seed, options and Now give the same cases.
	// 0 picks a random seed (reported in Result.Seed).
	Seed uint64
	// Now is the end of the history; the zero time means the store's clock.
	Now time.Time
	// Force adds demo data to a database that has cases already.
	Force bool
	// Rules are the dashboard's rules the crisis surge is made to meet (zero fields: the
	// defaults), so that the dashboard as of Result.SurgeAt shows it whatever the seed.
	Rules stats.DashboardRules
}

// Account is one of the accounts the demo makes.
type Account struct {
	Email string
	Name  string
	Role  models.Role
}

// Result says what Generate made.
type Result struct {
	Accounts []Account
	// Password is the demo accounts' shared password, made at random for this run.
	Password string
	Seed     uint64
	// From and To bound the history.
	From, To time.Time
	// Cases counts the cases; Calls every call, InfoCalls those with no case.
	Cases, Calls, InfoCalls, Callers int
	Events                           []models.Event
	// SurgeFrom is the first day of the crisis surge (zero when the history is too short).
	SurgeFrom time.Time
	// SurgeAt is the end of the surge's busiest day: the dashboard as of then shows a surge.
	SurgeAt time.Time
}

// ErrNotEmpty refuses to mix demo data into a database that has real cases.
var ErrNotEmpty = errors.New("the database already has cases; the demo only fills an empty database")

// demoChunk is how many cases one transaction writes; demoBatch how many rows one INSERT
// carries (a case has 27 columns: 500 rows stay well under SQLite's 32,766 variables).
const (
	demoChunk = 20000
	demoBatch = 500
	// demoPool is how many recent callers are kept for callers who ring again.
	demoPool = 2000
	// demoCasesPerDay is the volume of a normal working day when Cases is 0.
	demoCasesPerDay = 8
)

// demoAccounts are the demo's staff. The admin is there because `himoya serve` creates its own
// first admin only in a database without accounts.
var demoAccounts = []Account{
	{"aziza@demo.himoya.local", "Aziza Karimova", models.RoleSupervisor},
	{"pavel@demo.himoya.local", "Pavel Sokolov", models.RoleSupervisor},
	{"timur@demo.himoya.local", "Timur Rakhimov", models.RoleCaseworker},
	{"dilnoza@demo.himoya.local", "Dilnoza Yusupova", models.RoleCaseworker},
	{"olga@demo.himoya.local", "Olga Petrova", models.RoleCaseworker},
	{"farrukh@demo.himoya.local", "Farrukh Nazarov", models.RoleCaseworker},
	{"admin@demo.himoya.local", "Demo Administrator", models.RoleAdmin},
}

// weighted is a list of codes with weights, written "code:weight code:weight"; the code "-"
// stands for the empty value.
type weighted struct {
	codes []string
	cum   []int
}

func w(spec string) weighted {
	var p weighted
	total := 0
	for _, f := range strings.Fields(spec) {
		code, wt, ok := strings.Cut(f, ":")
		n, err := strconv.Atoi(wt)
		if !ok || err != nil || n <= 0 {
			panic("demo: bad weight " + f) // a typo in the tables below; any test catches it
		}
		if code == "-" {
			code = ""
		}
		total += n
		p.codes = append(p.codes, code)
		p.cum = append(p.cum, total)
	}
	return p
}

func (p weighted) pick(r *mrand.Rand) string {
	x := r.IntN(p.cum[len(p.cum)-1])
	return p.codes[sort.SearchInts(p.cum, x+1)]
}

// demoDoc is what may have happened to one document in a case of some category.
type demoDoc struct {
	doc      string
	pct      int
	statuses weighted
}

// demoProfile is how cases of one category look.
type demoProfile struct {
	extra       weighted // other categories, each with its own chance in percent
	perpetrator weighted
	place       weighted
	outcome     weighted
	critical    int // percent
	high        int // percent
	group       int // percent of cases that affect several people
	docs        []demoDoc
	single      []string // summaries; {where} is the place, {n} the number of people
	many        []string // summaries of cases that affect several people
}

var (
	demoBaseMix = w("illegal_detention:16 raid:8 document_destruction:7 police_extortion:9 police_violence:5 " +
		"deportation:12 forced_return:2 entry_ban:9 hate_crime:3 discrimination:5 labour_exploitation:11 " +
		"protest_related:1 transnational_repression:2 conscription_pressure:4 detention_conditions:4 consultation:2 other:2")
	demoSurgeMix = w("raid:40 illegal_detention:32 document_destruction:7 police_violence:6 police_extortion:3 " +
		"deportation:6 hate_crime:3 detention_conditions:2 conscription_pressure:1")
	// demoEventCategories are the categories a case about an event can have.
	demoEventCategories = []string{"raid", "illegal_detention", "document_destruction", "police_violence",
		"police_extortion", "deportation", "hate_crime", "detention_conditions", "conscription_pressure"}

	demoRegions = w("RU-MOW:34 RU-MOS:18 RU-SPE:12 RU-SVE:5 RU-SAM:4 RU-NVS:3 RU-TA:3 RU-KDA:3 RU-NIZ:2 " +
		"RU-KYA:2 RU-ROS:2 RU-CHE:2 RU-LEN:2 RU-TYU:2 RU-KHM:1 RU-YAN:1 RU-IRK:1 RU-PER:1 RU-KGD:1 RU-VOR:1 XX:1")
	demoSurgeRegions = w("RU-MOW:55 RU-MOS:30 RU-SPE:6 RU-SVE:3 RU-SAM:2 RU-NVS:2 RU-TA:2")
	demoCities       = map[string][]string{
		"RU-MOW": {"Moscow"},
		"RU-MOS": {"Balashikha", "Podolsk", "Khimki", "Mytishchi", "Lyubertsy", "Krasnogorsk", "Odintsovo", "Kotelniki"},
		"RU-SPE": {"Saint Petersburg"},
		"RU-SVE": {"Yekaterinburg", "Nizhny Tagil"},
		"RU-SAM": {"Samara", "Tolyatti"},
		"RU-NVS": {"Novosibirsk"},
		"RU-TA":  {"Kazan", "Naberezhnye Chelny"},
		"RU-KDA": {"Krasnodar", "Sochi"},
		"RU-NIZ": {"Nizhny Novgorod"},
		"RU-KYA": {"Krasnoyarsk"},
		"RU-ROS": {"Rostov-on-Don"},
		"RU-CHE": {"Chelyabinsk", "Magnitogorsk"},
		"RU-LEN": {"Vsevolozhsk", "Gatchina", "Kudrovo"},
		"RU-TYU": {"Tyumen"},
		"RU-KHM": {"Surgut", "Nizhnevartovsk"},
		"RU-YAN": {"Novy Urengoy"},
		"RU-IRK": {"Irkutsk"},
		"RU-PER": {"Perm"},
		"RU-KGD": {"Kaliningrad"},
		"RU-VOR": {"Voronezh"},
	}
	demoChannels     = w("phone:50 whatsapp:25 telegram:17 walk_in:4 email:2 other:2")
	demoCitizenships = w("TJ:40 UZ:33 KG:16 KZ:2 AZ:2 TM:2 AM:1 MD:1 UA:1 AF:1 XX:1")
	demoLanguages    = map[string]weighted{
		"TJ": w("tg:6 ru:4"), "UZ": w("uz:6 ru:4"), "KG": w("ky:5 ru:5"), "KZ": w("kk:3 ru:7"),
		"AZ": w("az:4 ru:6"), "TM": w("tk:6 ru:4"), "AM": w("hy:3 ru:7"), "AF": w("fa:9 en:1"),
		"MD": w("ru:1"), "UA": w("ru:1"), "XX": w("ru:1"),
	}
	demoGroupSizes = []int{2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40}
	demoFollowUps  = w("0:26 1:30 2:22 3:11 4:6 6:5")

	demoPlaces = map[string][]string{
		"street":           {"a bus stop", "a pedestrian underpass", "the entrance of a shop"},
		"metro":            {"a metro station", "the exit of a metro station", "a suburban train station"},
		"market":           {"the market", "a wholesale clothing market", "a vegetable market"},
		"workplace":        {"a construction site", "a warehouse", "a car wash", "a bakery"},
		"home":             {"a dormitory", "a rented flat", "a workers' hostel"},
		"mosque":           {"a mosque after Friday prayers", "the entrance of a mosque"},
		"police_station":   {"the police station", "the district police department"},
		"detention_centre": {"the detention centre for foreign citizens", "a temporary holding facility"},
		"court":            {"the district court"},
		"airport_border":   {"the airport", "a border crossing"},
		"online":           {"a messenger group"},
		"other":            {"a bus", "a clinic"},
		"":                 {"an unknown place"},
	}
)

var demoProfiles = map[string]demoProfile{
	"illegal_detention": {
		extra:       w("police_extortion:25 police_violence:15 document_destruction:15 detention_conditions:10 conscription_pressure:5"),
		perpetrator: w("police:85 migration_service:10 other_state:5"),
		place:       w("street:40 metro:30 workplace:10 home:10 market:10"),
		outcome:     w("released:45 fine_paid:25 expulsion_ordered:12 referred:8 lost_contact:10"),
		critical:    45, high: 35, group: 25,
		docs: []demoDoc{{"passport", 25, w("confiscated:1")}, {"work_permit", 15, w("confiscated:2 torn:1")}},
		single: []string{
			"Stopped at {where} for a document check and taken to the police station. Held for more than three hours without a record of the detention; phone taken away.",
			"Detained at {where} although the patent is valid. Police say there will be a charge of breaking the migration rules.",
			"A relative calls: detained yesterday at {where}, no news since. The police do not say where he is held.",
		},
		many: []string{
			"{n} people detained at {where} during a document check and taken to the station. Relatives cannot reach them.",
			"{n} men taken from {where} to the police station; they are told they will be held until the morning.",
		},
	},
	"raid": {
		extra:       w("illegal_detention:60 document_destruction:20 police_extortion:15 police_violence:10"),
		perpetrator: w("police:80 migration_service:15 other_state:5"),
		place:       w("market:35 workplace:25 home:20 mosque:10 metro:10"),
		outcome:     w("released:45 fine_paid:25 expulsion_ordered:12 referred:8 lost_contact:10"),
		critical:    40, high: 40, group: 70,
		docs: []demoDoc{{"passport", 30, w("confiscated:1")}, {"work_permit", 25, w("confiscated:2 torn:1")}},
		single: []string{
			"Police raid at {where}: documents checked, the caller was taken to the station and fingerprinted.",
			"Raid at {where}; the caller ran away and is afraid to go back to work.",
		},
		many: []string{
			"Raid at {where}: {n} workers taken to the station in a bus, documents checked, several patents taken away.",
			"Riot police came to {where} at night; {n} people detained, some beaten. Relatives ask where they are held.",
			"Raid at {where}: {n} people held in the courtyard for hours, then driven to the migration service.",
		},
	},
	"document_destruction": {
		extra:       w("illegal_detention:30"),
		perpetrator: w("police:85 migration_service:10 employer:5"),
		place:       w("street:30 police_station:40 metro:20 workplace:10"),
		outcome:     w("documents_restored:50 referred:30 lost_contact:20"),
		critical:    5, high: 35, group: 10,
		docs: []demoDoc{{"work_permit", 70, w("torn:3 destroyed:1")}, {"passport", 30, w("confiscated:1")},
			{"registration", 30, w("torn:2 confiscated:1")}, {"migration_card", 20, w("destroyed:1 torn:1")}},
		single: []string{
			"The police tore the caller's patent at {where} and then fined him for not having one.",
			"Migration card and registration taken at {where} and not returned; the officer said they were fake.",
		},
		many: []string{"Officers at {where} tore the patents of {n} workers in front of them."},
	},
	"police_extortion": {
		extra:       w("illegal_detention:30"),
		perpetrator: w("police:1"),
		place:       w("street:40 metro:40 market:20"),
		outcome:     w("money_returned:20 referred:50 information_given:20 lost_contact:10"),
		critical:    5, high: 30, group: 5,
		docs: []demoDoc{{"work_permit", 20, w("confiscated:1")}},
		single: []string{
			"Officers at {where} demanded 10,000 roubles to let him go; he paid 5,000.",
			"Stopped at {where} every week by the same patrol; they take money each time.",
		},
		many: []string{"{n} workers stopped at {where}; officers took money from each of them."},
	},
	"police_violence": {
		extra:       w("illegal_detention:50 hate_crime:10"),
		perpetrator: w("police:1"),
		place:       w("police_station:50 street:30 detention_centre:20"),
		outcome:     w("referred:60 released:20 lost_contact:20"),
		critical:    30, high: 50, group: 10,
		single: []string{
			"Beaten at {where} after asking why he was detained; bruises on the face, no medical help.",
			"The caller says officers at {where} used an electric shocker to make him sign a statement.",
		},
		many: []string{"{n} detained people beaten at {where}; one needs a doctor."},
	},
	"deportation": {
		extra:       w("detention_conditions:25 entry_ban:30"),
		perpetrator: w("court:55 migration_service:35 police:10"),
		place:       w("court:50 detention_centre:40 police_station:10"),
		outcome:     w("expulsion_overturned:25 deported:30 expulsion_ordered:20 referred:15 lost_contact:10"),
		critical:    35, high: 40, group: 5,
		docs: []demoDoc{{"passport", 30, w("confiscated:1")}},
		single: []string{
			"The court ordered administrative expulsion after a document check; the appeal deadline is in 10 days.",
			"Held awaiting deportation for three weeks; wife and children live in Russia.",
		},
		many: []string{"{n} people from one raid are held awaiting expulsion; the court hearings are tomorrow."},
	},
	"forced_return": {
		extra:       w("transnational_repression:50 illegal_detention:30"),
		perpetrator: w("home_country_officials:45 unknown:35 police:20"),
		place:       w("street:40 home:30 airport_border:30"),
		outcome:     w("returned_forcibly:40 released:30 lost_contact:30"),
		critical:    70, high: 25,
		single: []string{
			"The caller fears being handed over to the home country's services; men in plain clothes have been asking for him at {where}.",
			"A brother disappeared after being taken from {where}; the family believes he was sent back by force.",
		},
	},
	"entry_ban": {
		extra:       w("deportation:15"),
		perpetrator: w("migration_service:60 other_state:40"),
		place:       w("airport_border:80 online:20"),
		outcome:     w("information_given:50 referred:30 other:20"),
		critical:    5, high: 25,
		single: []string{
			"Turned back at the border: an entry ban he did not know about. His wife and children stayed in Russia.",
			"Wants to know whether there is an entry ban before travelling home for a funeral.",
		},
	},
	"hate_crime": {
		extra:       w("police_violence:10"),
		perpetrator: w("private_persons:80 unknown:20"),
		place:       w("street:50 metro:30 home:20"),
		outcome:     w("referred:70 information_given:30"),
		critical:    15, high: 45, group: 10,
		single: []string{
			"Attacked at {where} by a group shouting insults; nose broken. The police refused to take a statement.",
			"Threats and insults from neighbours; the door of the flat was set on fire.",
		},
		many: []string{"{n} workers attacked at {where} by young men with bats; two in hospital."},
	},
	"discrimination": {
		extra:       w("labour_exploitation:20"),
		perpetrator: w("employer:40 private_persons:30 other_state:30"),
		place:       w("workplace:40 home:30 other:30"),
		outcome:     w("information_given:60 referred:40"),
		critical:    2, high: 15,
		single: []string{
			"Refused a flat \"because of the nationality\"; the advert said \"Slavs only\".",
			"A child is not admitted to school without a registration the family cannot get.",
		},
	},
	"labour_exploitation": {
		extra:       w("document_destruction:10 discrimination:10"),
		perpetrator: w("employer:90 private_persons:10"),
		place:       w("workplace:90 home:10"),
		outcome:     w("money_returned:35 referred:35 information_given:20 lost_contact:10"),
		critical:    5, high: 30, group: 40,
		docs: []demoDoc{{"passport", 40, w("withheld:1")}},
		single: []string{
			"The employer has not paid wages for three months and keeps the passport.",
			"Worked two months at {where}; the employer refuses to pay and threatens to call the police.",
		},
		many: []string{"{n} workers at {where} unpaid for two months; the employer took their passports \"for registration\"."},
	},
	"protest_related": {
		extra:       w("illegal_detention:50"),
		perpetrator: w("police:70 home_country_officials:30"),
		place:       w("street:60 online:40"),
		outcome:     w("released:50 fine_paid:30 referred:20"),
		critical:    30, high: 40,
		single: []string{
			"Detained after a single-person picket; the police threaten to have the patent cancelled.",
			"Questioned at the station about posts in a messenger group; the phone was checked.",
		},
	},
	"transnational_repression": {
		extra:       w("forced_return:20"),
		perpetrator: w("home_country_officials:60 unknown:20 police:20"),
		place:       w("online:40 home:30 airport_border:30"),
		outcome:     w("referred:50 information_given:30 lost_contact:20"),
		critical:    30, high: 40,
		single: []string{
			"Relatives at home were questioned about the caller's posts; he was told to come back \"for a talk\".",
			"Home-country officials contacted him through relatives and demand that he returns.",
		},
	},
	"conscription_pressure": {
		extra:       w("illegal_detention:40 detention_conditions:10"),
		perpetrator: w("other_state:55 police:40 migration_service:5"),
		place:       w("police_station:40 detention_centre:30 workplace:30"),
		outcome:     w("released:50 referred:30 lost_contact:20"),
		critical:    50, high: 35, group: 10,
		single: []string{
			"Pressed at {where} to sign a military contract in exchange for dropping the charges.",
			"Received a call-up notice after getting Russian citizenship; taken to the enlistment office from {where}.",
		},
		many: []string{"{n} men detained at {where} and taken to the military enlistment office."},
	},
	"detention_conditions": {
		extra:       w("deportation:30"),
		perpetrator: w("other_state:70 police:30"),
		place:       w("detention_centre:80 police_station:20"),
		outcome:     w("referred:50 information_given:30 released:20"),
		critical:    20, high: 40, group: 10,
		single: []string{
			"Held at {where} for a month in an overcrowded cell; no medical help for a chronic illness.",
			"The family says he gets no food at {where}, only what relatives bring.",
		},
		many: []string{"{n} people held at {where} in one cell with no beds."},
	},
	"consultation": {
		perpetrator: w("-:1"),
		place:       w("-:1"),
		outcome:     w("information_given:1"),
		critical:    0, high: 5,
		single: []string{"A long consultation on challenging the refusal of a patent; opened as a case to follow the appeal."},
	},
	"other": {
		perpetrator: w("unknown:50 private_persons:50"),
		place:       w("other:60 home:40"),
		outcome:     w("information_given:50 other:50"),
		critical:    5, high: 20,
		single: []string{
			"The caller asks for help finding a relative who stopped answering a week ago.",
			"The landlord kept the caller's things and documents after a dispute about rent.",
		},
	},
}

// Texts of calls without a case, follow-up calls and timeline notes. None names a person.
var (
	demoInfoCalls = []string{
		"Asked how to check whether there is an entry ban.",
		"Asked about paying for the patent after a change of employer.",
		"Asked which documents to carry at all times.",
		"Asked what to do when stopped for a document check.",
		"Asked how to register at a new address.",
		"Asked about the Russian language exam for the patent.",
		"Asked how to replace a lost migration card.",
		"Asked whether children can go to school without a registration.",
	}
	demoSurgeInfoCalls = []string{
		"Asked whether it is safe to go to work after the raids.",
		"Asked what to do if the police come to the dormitory.",
		"Asked how to find out where a detained colleague is held.",
		"Asked whether to leave Russia now or wait.",
	}
	demoFollowUpCalls = []string{
		"Follow-up: the caller says he was released this morning.",
		"Follow-up: a relative asks whether there is news from the court.",
		"Follow-up: the caller sent photos of the torn documents.",
		"Follow-up: the police came back to the dormitory.",
		"Follow-up: the caller confirms the fine was paid.",
		"Follow-up: asked what to bring to the hearing.",
		"Follow-up: the caller could not reach the lawyer.",
	}
	demoNotes = []string{
		"Called the duty lawyer; the hearing is set for tomorrow.",
		"Sent the template complaint to the prosecutor's office.",
		"Relatives confirm he is still held at the station.",
		"Asked the caller for photos of the documents.",
		"The caller does not answer; will try again on WhatsApp.",
		"The court hearing was postponed by a week.",
		"Complaint filed with the prosecutor's office.",
		"The consulate was informed at the caller's request.",
	}
	demoEscalations = []string{
		"Escalated to the lawyer: the expulsion hearing is within 48 hours.",
		"Escalated: risk of forced return tonight.",
		"Escalated: the caller reports beatings in custody.",
	}
	demoRejections = []string{
		"Duplicate of an earlier call about the same detention.",
		"Not a case for the hotline: the caller was looking for a job.",
		"Wrong number.",
	}
	demoReopenings = []string{
		"The caller rang again: the decision was appealed.",
		"Reopened: the police came back.",
	}
	demoSafeContacts = []string{
		"only WhatsApp, after 8 pm",
		"through his brother, not on his own phone",
		"Telegram only, no calls",
		"text first, then call",
		"call before 9 am, at work after that",
	}
)

// demoNames are common first names and surnames, combined at random into people who do not
// exist. Female surnames add "a" (Rahimov -> Rahimova).
var demoNames = map[string]struct{ men, women, surnames []string }{
	"TJ": {
		[]string{"Firdavs", "Rustam", "Bakhtiyor", "Sukhrob", "Farrukh", "Dilshod", "Jamshed", "Umed", "Komron", "Shahrom", "Parviz", "Faridun"},
		[]string{"Zarina", "Nigina", "Madina", "Mehrona", "Firuza", "Gulnora", "Sitora"},
		[]string{"Rahimov", "Saidov", "Nazarov", "Karimov", "Sharipov", "Davlatov", "Rajabov", "Safarov", "Kurbonov", "Mirzoev", "Odinaev", "Sattorov", "Boboev"},
	},
	"UZ": {
		[]string{"Akmal", "Jasur", "Sherzod", "Otabek", "Bekzod", "Ulugbek", "Sardor", "Aziz", "Bobur", "Javlon"},
		[]string{"Dilnoza", "Gulchekhra", "Nodira", "Shakhnoza", "Malika", "Feruza"},
		[]string{"Tursunov", "Yusupov", "Ergashev", "Abdullaev", "Khasanov", "Rakhmatov", "Umarov", "Nematov", "Ismoilov", "Mamadaliev"},
	},
	"KG": {
		[]string{"Azamat", "Nurlan", "Bakyt", "Ermek", "Tilek", "Aibek", "Kubanychbek", "Maksat"},
		[]string{"Aigerim", "Cholpon", "Aizhan", "Gulzat", "Nurzhan", "Begaiym"},
		[]string{"Asanov", "Toktogulov", "Mamatov", "Abdraimov", "Sadyrov", "Omurbekov", "Zhumabaev", "Usenov", "Kasymov"},
	},
	"": {
		[]string{"Elvin", "Merdan", "Yerlan", "Arman", "Ion", "Ahmad"},
		[]string{"Aysel", "Ayna", "Aliya", "Anna"},
		[]string{"Mammadov", "Orazov", "Nurlanov", "Rusu", "Aliev", "Hakimov"},
	},
}

// demoPhone makes a random number in the form of the country's mobiles; most migrants also
// use a Russian SIM.
func demoPhone(r *mrand.Rand, citizenship string) string {
	d := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	}
	if r.IntN(100) < 55 {
		citizenship = "RU"
	}
	switch citizenship {
	case "TJ":
		return "+992 9" + d(1) + " " + d(3) + " " + d(2) + " " + d(2)
	case "UZ":
		return "+998 9" + d(1) + " " + d(3) + " " + d(2) + " " + d(2)
	case "KG":
		return "+996 " + []string{"5", "7"}[r.IntN(2)] + d(2) + " " + d(3) + " " + d(3)
	default:
		return "+7 9" + d(2) + " " + d(3) + "-" + d(2) + "-" + d(2)
	}
}

// checkDemoTaxonomy makes sure that every code the demo uses exists and is active.
func checkDemoTaxonomy(tax *models.Taxonomy) error {
	var missing []string
	need := func(k models.TermKind, code string) {
		if code != "" && !tax.Has(k, code) {
			missing = append(missing, string(k)+" "+code)
		}
	}
	for _, mix := range []weighted{demoBaseMix, demoSurgeMix} {
		for _, c := range mix.codes {
			if _, ok := demoProfiles[c]; !ok {
				return fmt.Errorf("demo: no profile for category %s", c)
			}
		}
	}
	for cat, p := range demoProfiles {
		need(models.KindCategory, cat)
		for _, c := range p.extra.codes {
			need(models.KindCategory, c)
		}
		for _, c := range p.perpetrator.codes {
			need(models.KindPerpetrator, c)
		}
		for _, c := range p.place.codes {
			need(models.KindPlaceType, c)
			if _, ok := demoPlaces[c]; !ok {
				return fmt.Errorf("demo: no place phrases for %q", c)
			}
		}
		for _, c := range p.outcome.codes {
			need(models.KindOutcome, c)
		}
		for _, d := range p.docs {
			if !slices.Contains(models.DocumentKinds, d.doc) {
				return fmt.Errorf("demo: unknown document %s", d.doc)
			}
			for _, st := range d.statuses.codes {
				if !slices.Contains(models.DocumentStatuses, st) {
					return fmt.Errorf("demo: unknown document status %s", st)
				}
			}
		}
		if len(p.single) == 0 || (p.group > 0 && len(p.many) == 0) {
			return fmt.Errorf("demo: category %s has no summaries", cat)
		}
	}
	for _, c := range demoEventCategories {
		need(models.KindCategory, c)
	}
	for _, c := range append(demoRegions.codes, demoSurgeRegions.codes...) {
		need(models.KindRegion, c)
	}
	for _, c := range demoChannels.codes {
		need(models.KindChannel, c)
	}
	for _, c := range demoCitizenships.codes {
		need(models.KindCitizenship, c)
		l, ok := demoLanguages[c]
		if !ok {
			return fmt.Errorf("demo: no languages for citizenship %s", c)
		}
		for _, x := range l.codes {
			need(models.KindLanguage, x)
		}
	}
	need(models.KindCategory, "consultation")
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("demo: the taxonomy lacks, or has deactivated, %s", strings.Join(missing, ", "))
	}
	return nil
}

// demoDay is one day of the history.
type demoDay struct {
	start, end time.Time // [start, end), end capped at the end of the history
	weight     float64
	cases      int
	infos      int
	surge      bool          // a crisis day: raids and detentions, night calls
	event      *models.Event // the event this day's cases may be about
	eventPct   int           // chance in percent that a case of an event category is about it
	eventIndex int           // which of the demo's events (0 surge, 1 small) or -1
	mult       float64       // how many times a normal day's volume
}

// demoGen is the state of one run of the generator.
type demoGen struct {
	store   *models.Store
	r       *mrand.Rand
	loc     *time.Location
	now     time.Time
	sups    []*models.User
	cws     []*models.User
	takers  []*models.User // who answers the phone: caseworkers three times as often as supervisors
	days    []demoDay
	next    int
	pool    []models.Caller // recent callers, who may call again
	poolAt  int
	res     *Result
	err     error
	caseID  uint
	callID  uint
	counter map[int]int // reference counter per year
	touched map[int]bool
	// The surge is made to meet rules as of res.SurgeAt, the end of the day peak: surgeCalls[k]
	// counts the calls of the k-th 24 hours before SurgeAt (0: the last 24 hours, then the
	// baseline), as the dashboard counts them.
	rules      stats.DashboardRules
	peak       int
	surgeCalls []int
}

// demoBatchRows holds one chunk of rows to write.
type demoBatchRows struct {
	callers  []models.Caller
	cases    []models.Case
	cats     []models.CaseCategory
	docs     []models.CaseDocument
	contacts []models.Contact
	entries  []models.CaseEntry
}

// Generate fills the database with a synthetic hotline's history: the demo accounts
// (sharing one password made at random now), named events, and months of calls and cases
// with consistent timelines, ending at opts.Now. It refuses a database that has cases unless
// opts.Force is set. Case references continue the reference counters, so cases created
// afterwards get the next numbers.
func Generate(ctx context.Context, s *models.Store, opts Options) (*Result, error) {
	return generate(ctx, s, opts, func(pw string) ([]string, error) { return hashes(s, pw) })
}

// generate is Generate with the hashing of the accounts' password given (tests of
// the history spare themselves the hashing's cost).
func generate(ctx context.Context, s *models.Store, opts Options, hash func(password string) ([]string, error)) (*Result, error) {
	if opts.Months == 0 {
		opts.Months = 4
	}
	if opts.Months < 1 || opts.Months > 240 {
		return nil, &models.ValidationError{Fields: map[string]string{"months": "v.use_1_240_months"}}
	}
	if opts.Cases < 0 {
		return nil, &models.ValidationError{Fields: map[string]string{"cases": "v.use_0_from_months_more"}}
	}
	if opts.Now.IsZero() {
		opts.Now = s.UTCNow()
	}
	if opts.Seed == 0 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		opts.Seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	tax, err := s.Taxonomy(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkDemoTaxonomy(tax); err != nil {
		return nil, err
	}
	res := &Result{Password: models.NewPassword(), Seed: opts.Seed, To: opts.Now.UTC()}
	hashes, err := hash(res.Password)
	if err != nil {
		return nil, err
	}
	g := &demoGen{
		store: s,
		r:     mrand.New(mrand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		loc:   s.Loc, now: opts.Now.UTC(), res: res, rules: opts.Rules.WithDefaults(), peak: -1,
	}
	g.plan(opts)
	load := func(db *gorm.DB) error {
		first := true
		for first || g.next < len(g.days) {
			err := db.Transaction(func(tx *gorm.DB) error {
				if first {
					if err := g.setup(tx, opts, hashes); err != nil {
						return err
					}
				}
				return g.chunk(tx)
			})
			if err != nil {
				if !first {
					err = fmt.Errorf("%w (the cases written before this chunk stay in the database)", err)
				}
				return err
			}
			first = false
		}
		return nil
	}
	if err := s.BulkLoad(ctx, load); err != nil {
		return nil, err
	}
	return res, nil
}

// hashes hashes the shared password once per account (each with its own salt), in
// parallel: argon2id takes tens of milliseconds each.
func hashes(s *models.Store, pw string) ([]string, error) {
	out := make([]string, len(demoAccounts))
	errs := make([]error, len(demoAccounts))
	var wg sync.WaitGroup
	for i := range demoAccounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = s.HashPassword(pw)
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// plan lays out the days, the surge and the number of calls of each day.
func (g *demoGen) plan(opts Options) {
	end := g.now.In(g.loc)
	from := end.AddDate(0, -opts.Months, 0)
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, g.loc)
	g.res.From = day.UTC()
	for ; day.Before(end); day = day.AddDate(0, 0, 1) {
		next := day.AddDate(0, 0, 1)
		d := demoDay{start: day.UTC(), end: next.UTC(), mult: 1, eventIndex: -1}
		wt := 1.0
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			wt = 0.55
		}
		if next.After(end) { // today: only the part of the day that has passed
			d.end = end.UTC()
			wt *= float64(end.Sub(day)) / float64(next.Sub(day))
		}
		d.weight = wt * (0.8 + 0.4*g.r.Float64())
		g.days = append(g.days, d)
	}
	// The surge: several days at about ten times the usual volume, a little past the middle of
	// the history so that its cases are seen moving to resolution. A smaller raid earlier.
	if n := len(g.days); n >= 21 {
		surge := n * 55 / 100
		for i, m := range []float64{10, 12, 10, 7, 4, 2.5, 1.6} {
			d := &g.days[surge+i]
			d.mult, d.surge, d.eventIndex, d.eventPct = m, m >= 4, 0, 85
		}
		for i := surge + 7; i < min(n, surge+21); i++ {
			g.days[i].eventIndex, g.days[i].eventPct = 0, 25
		}
		g.res.SurgeFrom = g.days[surge].start
		g.peak = surge + 1
		g.res.SurgeAt = g.days[g.peak].end
		small := n * 20 / 100
		for i, m := range []float64{3, 1.5} {
			d := &g.days[small+i]
			d.mult, d.eventIndex, d.eventPct = m, 1, 70
		}
	}
	total := 0.0
	for i := range g.days {
		g.days[i].weight *= g.days[i].mult
		total += g.days[i].weight
	}
	cases := opts.Cases
	if cases == 0 {
		cases = int(demoCasesPerDay*total + 0.5)
	}
	// Cumulative rounding gives exactly `cases` cases in all.
	cum, prev := 0.0, 0
	for i := range g.days {
		cum += g.days[i].weight
		upTo := int(float64(cases)*cum/total + 0.5)
		d := &g.days[i]
		d.cases = upTo - prev
		prev = upTo
		d.infos = int(float64(d.cases)*0.5*(0.7+0.6*g.r.Float64()) + 0.5)
	}
}

// setup runs in the first transaction: it checks the database is empty (or forced), makes or
// refreshes the demo accounts and makes the events.
func (g *demoGen) setup(tx *gorm.DB, opts Options, hashes []string) error {
	var n int64
	if err := tx.Model(&models.Case{}).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 && !opts.Force {
		return ErrNotEmpty
	}
	for i, a := range demoAccounts {
		u := &models.User{}
		err := tx.Where("email = ?", a.Email).Limit(1).Find(u).Error
		if err != nil {
			return err
		}
		u.Email, u.Name, u.PasswordHash, u.Active = a.Email, a.Name, hashes[i], true
		u.Role, u.AlsoSupervisor = models.StoredRole(a.Role) // the demo admin is also a supervisor
		if err := tx.Save(u).Error; err != nil {
			return err
		}
		switch a.Role {
		case models.RoleSupervisor:
			g.sups = append(g.sups, u)
			g.takers = append(g.takers, u)
		case models.RoleCaseworker:
			g.cws = append(g.cws, u)
			g.takers = append(g.takers, u, u, u)
		}
		g.res.Accounts = append(g.res.Accounts, a)
	}
	var evs [2]*models.Event
	if !g.res.SurgeFrom.IsZero() {
		for i, e := range []struct {
			name, region string
		}{
			// Modelled on the raids after the Crocus City Hall attack (March 2024), but named
			// without a date or a real place: the demo's dates move with the clock.
			{"Mass raids after a terrorist attack", "RU-MOW"},
			{"Raid at a vegetable warehouse, Moscow Oblast", "RU-MOS"},
		} {
			var start time.Time
			for _, d := range g.days {
				if d.eventIndex == i {
					start = d.start
					break
				}
			}
			evs[i] = &models.Event{Name: e.name, StartsOn: start, Region: e.region, Active: true, CreatedAt: start}
			if err := tx.Create(evs[i]).Error; err != nil {
				return err
			}
			g.res.Events = append(g.res.Events, *evs[i])
		}
	}
	for i := range g.days {
		if ix := g.days[i].eventIndex; ix >= 0 {
			g.days[i].event = evs[ix]
		}
	}
	if g.peak >= 0 {
		// Calls already in the database (with Force) count in the surge's periods too.
		end := g.res.SurgeAt.Add(time.Nanosecond)
		calls, err := stats.DailyCalls(tx, end, g.rules.SurgeBaselineDays+1)
		if err != nil {
			return err
		}
		g.surgeCalls = calls
	}
	return nil
}

// chunk generates whole days until about demoChunk cases are ready and writes them in tx.
func (g *demoGen) chunk(tx *gorm.DB) error {
	var maxCase, maxCaller uint
	if err := tx.Model(&models.Case{}).Select("COALESCE(MAX(id), 0)").Scan(&maxCase).Error; err != nil {
		return err
	}
	if err := tx.Model(&models.Caller{}).Select("COALESCE(MAX(id), 0)").Scan(&maxCaller).Error; err != nil {
		return err
	}
	var rcs []models.ReferenceCounter
	if err := tx.Find(&rcs).Error; err != nil {
		return err
	}
	g.caseID, g.callID = maxCase, maxCaller
	g.counter, g.touched = map[int]int{}, map[int]bool{}
	for _, rc := range rcs {
		g.counter[rc.Year] = rc.Last
	}
	b := &demoBatchRows{}
	for g.next < len(g.days) && len(b.cases) < demoChunk {
		from := len(b.contacts)
		g.day(b, &g.days[g.next])
		if g.err != nil {
			return g.err
		}
		g.countSurgeCalls(b.contacts[from:])
		if g.next == g.peak {
			g.completeSurge(b, &g.days[g.next])
		}
		g.next++
	}
	ins := func(rows any, n int) error {
		if n == 0 {
			return nil
		}
		return tx.Omit(clause.Associations).CreateInBatches(rows, demoBatch).Error
	}
	for _, err := range []func() error{
		func() error { return ins(&b.callers, len(b.callers)) },
		func() error { return ins(&b.cases, len(b.cases)) },
		func() error { return ins(&b.cats, len(b.cats)) },
		func() error { return ins(&b.docs, len(b.docs)) },
		func() error { return ins(&b.contacts, len(b.contacts)) },
		func() error { return ins(&b.entries, len(b.entries)) },
	} {
		if err := err(); err != nil {
			return err
		}
	}
	for year := range g.touched {
		rc := models.ReferenceCounter{Year: year, Last: g.counter[year]}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "year"}},
			DoUpdates: clause.AssignmentColumns([]string{"last"}),
		}).Create(&rc).Error
		if err != nil {
			return err
		}
	}
	g.res.Cases += len(b.cases)
	g.res.Calls += len(b.contacts)
	g.res.Callers += len(b.callers)
	return nil
}

// countSurgeCalls adds calls to the counts of the surge's periods. A day's calls are those
// received that day and the follow-ups of its cases, which come later: once the peak day is
// made, every call before SurgeAt is counted.
func (g *demoGen) countSurgeCalls(calls []models.Contact) {
	if g.surgeCalls == nil {
		return
	}
	for _, c := range calls {
		if c.ReceivedAt.After(g.res.SurgeAt) {
			continue
		}
		// The dashboard as of At counts the calls of (At-24h, At] as the last 24 hours, and
		// so on back.
		if k := int(g.res.SurgeAt.Sub(c.ReceivedAt) / (24 * time.Hour)); k < len(g.surgeCalls) {
			g.surgeCalls[k]++
		}
	}
}

// completeSurge adds information calls to the peak day d until its last 24 hours are a surge
// by g.rules: at least SurgeMin calls and SurgeRatio times the median of the baseline's. The
// days' volumes make a surge on most seeds already; this makes it certain (a weekend, a quiet
// draw, a short history or a demanding rule would otherwise undo it).
func (g *demoGen) completeSurge(b *demoBatchRows, d *demoDay) {
	need := max(g.rules.SurgeMin, int(math.Ceil(g.rules.SurgeRatio*stats.MedianCount(g.surgeCalls[1:]))))
	from := g.res.SurgeAt.Add(-24*time.Hour + time.Nanosecond)
	if from.Before(d.start) {
		from = d.start // a day of 23 hours (clocks moved forward)
	}
	for ; g.surgeCalls[0] < need; g.surgeCalls[0]++ {
		g.infoCall(b, d, from.Add(g.between(0, g.res.SurgeAt.Sub(from))))
	}
}

// between is a random duration in [lo, hi).
func (g *demoGen) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.r.Int64N(int64(hi-lo)))
}

func (g *demoGen) one(list []string) string { return list[g.r.IntN(len(list))] }

func (g *demoGen) pct(p int) bool { return g.r.IntN(100) < p }

func (g *demoGen) taker() *models.User { return g.takers[g.r.IntN(len(g.takers))] }

// callTime is a moment of the day, mostly in working hours; on crisis days the nights are busy.
func (g *demoGen) callTime(d *demoDay) time.Time {
	hours := [24]int{1, 1, 1, 1, 1, 1, 2, 4, 7, 10, 10, 10, 10, 10, 10, 10, 10, 9, 8, 7, 6, 4, 3, 2}
	if d.surge {
		for h := 0; h < 7; h++ {
			hours[h] = 5
		}
	}
	total := 0
	for _, x := range hours {
		total += x
	}
	x, h := g.r.IntN(total), 0
	for ; x >= hours[h]; h++ {
		x -= hours[h]
	}
	t := d.start.Add(time.Duration(h)*time.Hour + g.between(0, time.Hour))
	if !t.Before(d.end) {
		t = d.start.Add(g.between(0, d.end.Sub(d.start)))
	}
	return t
}

// caller returns a caller for a call: someone who called before (pct percent of the time)
// or someone new, added to the batch.
func (g *demoGen) caller(b *demoBatchRows, at time.Time, again int) *uint {
	if len(g.pool) > 0 && g.pct(again) {
		c := g.pool[g.r.IntN(len(g.pool))]
		return &c.ID
	}
	cit := demoCitizenships.pick(g.r)
	names, ok := demoNames[cit]
	if !ok {
		names = demoNames[""]
	}
	var name string
	if g.pct(85) {
		name = g.one(names.men) + " " + g.one(names.surnames)
	} else {
		name = g.one(names.women) + " " + g.one(names.surnames) + "a"
	}
	phone := demoPhone(g.r, cit)
	g.callID++
	c := models.Caller{ID: g.callID, Name: models.Personal(name), Phone: models.Personal(phone), PhoneIndex: g.store.PhoneIndex(phone),
		Citizenship: cit, Language: demoLanguages[cit].pick(g.r), SafeToCall: g.pct(75), CreatedAt: at, UpdatedAt: at}
	if g.pct(30) {
		c.SafeContact = models.Personal(g.one(demoSafeContacts))
	}
	b.callers = append(b.callers, c)
	if len(g.pool) < demoPool {
		g.pool = append(g.pool, c)
	} else {
		g.pool[g.poolAt] = c
		g.poolAt = (g.poolAt + 1) % demoPool
	}
	return &c.ID
}

// day generates one day's cases and information-only calls.
func (g *demoGen) day(b *demoBatchRows, d *demoDay) {
	times := make([]time.Time, d.cases)
	for i := range times {
		times[i] = g.callTime(d)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	for _, at := range times {
		g.newCase(b, d, at)
		if g.err != nil {
			return
		}
	}
	for range d.infos {
		g.infoCall(b, d, g.callTime(d))
	}
}

// infoCall adds a call received at `at` on day d that opens no case: a question answered on
// the phone.
func (g *demoGen) infoCall(b *demoBatchRows, d *demoDay, at time.Time) {
	ct := models.Contact{Channel: demoChannels.pick(g.r), ReceivedAt: at, TakenByID: g.taker().ID,
		Category: "consultation", CreatedAt: at.Add(g.between(time.Minute, 10*time.Minute))}
	if ct.CreatedAt.After(g.now) {
		ct.CreatedAt = g.now
	}
	if g.pct(75) {
		ct.CallerID = g.caller(b, at, 12)
	}
	if d.surge && g.pct(60) {
		ct.Summary = models.Personal(g.one(demoSurgeInfoCalls))
	} else {
		ct.Summary = models.Personal(g.one(demoInfoCalls))
	}
	b.contacts = append(b.contacts, ct)
	g.res.InfoCalls++
}

// demoCase follows one case along the workflow.
type demoCase struct {
	g  *demoGen
	b  *demoBatchRows
	cs *models.Case
	t  time.Time // when the last thing happened
}

// newCase makes a case received at `at` and lives its life up to the end of the history.
func (g *demoGen) newCase(b *demoBatchRows, d *demoDay, at time.Time) {
	mix := demoBaseMix
	regions := demoRegions
	if d.mult >= 2 {
		mix, regions = demoSurgeMix, demoSurgeRegions
	}
	cat := mix.pick(g.r)
	p := demoProfiles[cat]
	year := at.In(g.loc).Year()
	g.counter[year]++
	g.touched[year] = true
	g.caseID++
	taker := g.taker()
	cs := models.Case{ID: g.caseID, Reference: fmt.Sprintf("HL-%d-%06d", year, g.counter[year]), Status: models.StatusNew, Version: 1,
		Category: cat, OpenedByID: taker.ID, ReceivedAt: at, PeopleAffected: 1, Urgency: models.UrgencyNormal}
	cs.Region = regions.pick(g.r)
	if cities := demoCities[cs.Region]; len(cities) > 0 && g.pct(90) {
		cs.City = g.one(cities)
	}
	cs.PlaceType = p.place.pick(g.r)
	cs.Perpetrator = p.perpetrator.pick(g.r)
	group := p.group
	if d.surge {
		group = min(90, group*3/2)
	}
	if group > 0 && g.pct(group) {
		cs.PeopleAffected = demoGroupSizes[g.r.IntN(len(demoGroupSizes))]
	}
	crit := p.critical
	if d.surge {
		crit = min(90, crit+15)
	}
	switch x := g.r.IntN(100); {
	case x < crit:
		cs.Urgency = models.UrgencyCritical
	case x < crit+p.high:
		cs.Urgency = models.UrgencyHigh
	}
	if g.pct(70) {
		back := g.between(10*time.Minute, 48*time.Hour)
		if d.surge {
			back = g.between(10*time.Minute, 12*time.Hour)
		}
		t := at.Add(-back)
		cs.IncidentAt = &t
	}
	if d.event != nil && slices.Contains(demoEventCategories, cat) && g.pct(d.eventPct) {
		cs.EventID = &d.event.ID
	}
	cs.Categories = []models.CaseCategory{{CaseID: cs.ID, Code: cat}}
	for i, c := range p.extra.codes {
		pc := p.extra.cum[i]
		if i > 0 {
			pc -= p.extra.cum[i-1]
		}
		if c != cat && g.pct(pc) {
			cs.Categories = append(cs.Categories, models.CaseCategory{CaseID: cs.ID, Code: c})
		}
	}
	for _, doc := range p.docs {
		if g.pct(doc.pct) {
			cs.Documents = append(cs.Documents, models.CaseDocument{CaseID: cs.ID, Document: doc.doc, Status: doc.statuses.pick(g.r)})
		}
	}
	tmpl := g.one(p.single)
	if cs.PeopleAffected > 1 {
		tmpl = g.one(p.many)
	}
	where := g.one(demoPlaces[cs.PlaceType])
	cs.Summary = models.Personal(strings.NewReplacer("{where}", where, "{n}", strconv.Itoa(cs.PeopleAffected)).Replace(tmpl))
	if g.pct(92) {
		cs.CallerID = g.caller(b, at, 10)
	}
	// The call that opened the case, and the opening in the timeline.
	opened := at.Add(g.between(2*time.Minute, 15*time.Minute))
	if opened.After(g.now) {
		opened = g.now
	}
	cs.CreatedAt, cs.UpdatedAt = opened, opened
	b.contacts = append(b.contacts, models.Contact{CaseID: &cs.ID, CallerID: cs.CallerID, Channel: demoChannels.pick(g.r),
		ReceivedAt: at, TakenByID: taker.ID, Category: cat, Summary: cs.Summary, CreatedAt: opened})
	b.entries = append(b.entries, models.CaseEntry{CaseID: cs.ID, Kind: models.EntryOpened, ToStatus: models.StatusNew, UserID: taker.ID, At: opened})

	dc := &demoCase{g: g, b: b, cs: &cs, t: opened}
	dc.live(d, p)
	dc.followUps(d)
	b.cats = append(b.cats, cs.Categories...)
	b.docs = append(b.docs, cs.Documents...)
	cs.Categories, cs.Documents = nil, nil
	b.cases = append(b.cases, cs)
}

// move makes a workflow move after delay, if that is still before the end of the history. It
// applies the move as Store.Transition does, after checking it against the Workflow table and
// the actor's role, so that the demo never shows a history the rules would refuse.
func (dc *demoCase) move(delay time.Duration, to models.Status, by *models.User, note, outcome string, assignee *models.User) bool {
	g, cs := dc.g, dc.cs
	at := dc.t.Add(delay)
	if !at.Before(g.now) || g.err != nil {
		return false
	}
	r, ok := models.MayMove(by, cs, to)
	if !ok ||
		(r.Needs&models.NeedsNote != 0 && note == "") || (r.Needs&models.NeedsOutcome != 0 && outcome == "") ||
		(r.Needs&models.NeedsAssignee != 0 && assignee == nil && cs.AssigneeID == nil) {
		g.err = fmt.Errorf("demo: generated a move the workflow refuses (%s to %s by a %s)", cs.Status, to, by.Role)
		return false
	}
	e := models.CaseEntry{CaseID: cs.ID, Kind: models.EntryStatus, FromStatus: cs.Status, ToStatus: to, Note: models.Personal(note), UserID: by.ID, At: at}
	if assignee != nil && (cs.AssigneeID == nil || *cs.AssigneeID != assignee.ID) {
		cs.AssigneeID = &assignee.ID
		e.AssigneeID = &assignee.ID
	}
	if to == models.StatusAssigned && cs.AssignedAt == nil {
		cs.AssignedAt = &at
	}
	switch to {
	case models.StatusResolved:
		cs.Outcome, cs.ResolvedAt = outcome, &at
		e.Outcome = outcome
	case models.StatusClosed:
		cs.ClosedAt = &at
	case models.StatusInProgress:
		if cs.Status == models.StatusResolved || cs.Status == models.StatusClosed {
			cs.Outcome, cs.ResolvedAt, cs.ClosedAt = "", nil, nil
		}
	}
	cs.Status = to
	cs.Version++
	cs.UpdatedAt = at
	dc.t = at
	dc.b.entries = append(dc.b.entries, e)
	return true
}

// note adds a note to the timeline after delay, if that is still in the history.
func (dc *demoCase) note(delay time.Duration, by *models.User, text string) {
	at := dc.t.Add(delay)
	if !at.Before(dc.g.now) {
		return
	}
	dc.b.entries = append(dc.b.entries, models.CaseEntry{CaseID: dc.cs.ID, Kind: models.EntryNote, Note: models.Personal(text), UserID: by.ID, At: at})
	dc.t = at
	dc.cs.UpdatedAt = at
}

// live takes the case along the workflow: most cases are assigned, worked on, sometimes left
// waiting or escalated, resolved with an outcome and closed; a few are closed at once as
// duplicates, a few reopened. The story stops where the history ends, so recent cases are
// still new or in progress.
func (dc *demoCase) live(d *demoDay, p demoProfile) {
	g, cs := dc.g, dc.cs
	sup := g.sups[g.r.IntN(len(g.sups))]
	if g.pct(4) {
		dc.move(g.between(2*time.Hour, 48*time.Hour), models.StatusClosed, sup, g.one(demoRejections), "", nil)
		return
	}
	var wait time.Duration
	switch cs.Urgency {
	case models.UrgencyCritical:
		wait = g.between(5*time.Minute, 90*time.Minute)
	case models.UrgencyHigh:
		wait = g.between(30*time.Minute, 8*time.Hour)
	default:
		wait = g.between(2*time.Hour, 72*time.Hour)
	}
	if d.mult >= 2 { // the team is swamped
		wait = wait * time.Duration(1+g.r.IntN(4))
	}
	worker := g.cws[g.r.IntN(len(g.cws))]
	by := sup
	if g.pct(35) {
		by = worker // a caseworker takes the case from the queue
	}
	if !dc.move(wait, models.StatusAssigned, by, "", "", worker) {
		return
	}
	if !dc.move(g.between(30*time.Minute, 48*time.Hour), models.StatusInProgress, worker, "", "", nil) {
		return
	}
	resolve := func(delay time.Duration) bool {
		var note string
		if g.pct(40) {
			note = g.one(demoNotes)
		}
		return dc.move(delay, models.StatusResolved, worker, note, p.outcome.pick(g.r), nil)
	}
	reopened := false
	for round := 0; ; round++ {
		if g.pct(60) {
			dc.note(g.between(time.Hour, 3*24*time.Hour), worker, g.one(demoNotes))
		}
		x := g.r.IntN(100)
		switch {
		case round < 3 && x < 28: // waiting for a document, a court date, the caller
			if !dc.move(g.between(2*time.Hour, 4*24*time.Hour), models.StatusWaiting, worker, "", "", nil) {
				return
			}
			if g.pct(30) {
				if !resolve(g.between(24*time.Hour, 14*24*time.Hour)) {
					return
				}
			} else if !dc.move(g.between(24*time.Hour, 14*24*time.Hour), models.StatusInProgress, worker, "", "", nil) {
				return
			}
		case round < 3 && x < 38:
			if !dc.move(g.between(time.Hour, 3*24*time.Hour), models.StatusEscalated, worker, g.one(demoEscalations), "", nil) {
				return
			}
			if g.pct(40) {
				if !resolve(g.between(24*time.Hour, 10*24*time.Hour)) {
					return
				}
			} else if !dc.move(g.between(24*time.Hour, 10*24*time.Hour), models.StatusInProgress, worker, "", "", nil) {
				return
			}
		case round < 3 && x < 43 && len(g.cws) > 1: // a supervisor hands the case to a colleague
			at := dc.t.Add(g.between(24*time.Hour, 5*24*time.Hour))
			if !at.Before(g.now) {
				return
			}
			other := worker
			for other == worker {
				other = g.cws[g.r.IntN(len(g.cws))]
			}
			worker = other
			cs.AssigneeID = &worker.ID
			cs.Version++
			cs.UpdatedAt, dc.t = at, at
			dc.b.entries = append(dc.b.entries, models.CaseEntry{CaseID: cs.ID, Kind: models.EntryAssign, AssigneeID: &worker.ID,
				Note: "Handed over: the first caseworker is on leave.", UserID: sup.ID, At: at})
		default:
			if !resolve(g.between(24*time.Hour, 20*24*time.Hour)) {
				return
			}
		}
		if cs.Status != models.StatusResolved {
			continue
		}
		if !reopened && g.pct(5) {
			reopened = true
			if !dc.move(g.between(24*time.Hour, 10*24*time.Hour), models.StatusInProgress, worker, g.one(demoReopenings), "", nil) {
				return
			}
			continue
		}
		if g.pct(88) {
			dc.move(g.between(24*time.Hour, 10*24*time.Hour), models.StatusClosed, sup, "", "", nil)
		}
		return
	}
}

// followUps adds the calls that came in about the case after it was opened: the caller, a
// relative, a colleague detained in the same raid.
func (dc *demoCase) followUps(d *demoDay) {
	g, cs := dc.g, dc.cs
	n, _ := strconv.Atoi(demoFollowUps.pick(g.r))
	start := cs.ReceivedAt.Add(30 * time.Minute)
	end := g.now
	switch {
	case cs.ClosedAt != nil:
		end = *cs.ClosedAt
	case cs.ResolvedAt != nil:
		end = cs.ResolvedAt.Add(3 * 24 * time.Hour)
	}
	if end.After(g.now) {
		end = g.now
	}
	if !start.Before(end) {
		return
	}
	for range n {
		at := start.Add(g.between(0, end.Sub(start)))
		ct := models.Contact{CaseID: &cs.ID, Channel: demoChannels.pick(g.r), ReceivedAt: at, TakenByID: g.taker().ID,
			Category: cs.Category, Summary: models.Personal(g.one(demoFollowUpCalls)), CreatedAt: at}
		if cs.AssigneeID != nil && cs.AssignedAt != nil && at.After(*cs.AssignedAt) && g.pct(70) {
			ct.TakenByID = *cs.AssigneeID
		}
		switch x := g.r.IntN(100); {
		case x < 75 && cs.CallerID != nil:
			ct.CallerID = cs.CallerID
		case x < 90 && (cs.PeopleAffected > 1 || d.surge):
			ct.CallerID = g.caller(dc.b, at, 0) // a relative or a colleague
		}
		if cs.CallerID == nil && ct.CallerID != nil {
			cs.CallerID = ct.CallerID // as LogContact does for a case without a caller
		}
		if at.After(cs.UpdatedAt) {
			cs.UpdatedAt = at
		}
		dc.b.contacts = append(dc.b.contacts, ct)
	}
}
