package models

import (
	"gorm.io/gorm"
)

// Migration 18: the interface in the user's language, and taxonomy labels in the callers'
// languages.
//
//   - users.language: the interface language the account chose ("ru", "en"); "" lets the
//     browser's Accept-Language decide.
//   - terms.label_tg, label_uz, label_ky: Tajik (Cyrillic), Uzbek (Latin) and Kyrgyz labels,
//     filled below for the seeded terms where a translation is known; admins edit the rest.

// m18Term is the terms table's new columns as of migration 18.
type m18Term struct {
	LabelTG string `gorm:"column:label_tg;size:200;not null;default:''"`
	LabelUZ string `gorm:"column:label_uz;size:200;not null;default:''"`
	LabelKY string `gorm:"column:label_ky;size:200;not null;default:''"`
}

func (m18Term) TableName() string { return "terms" }

// m18User is the users table's new column as of migration 18.
type m18User struct {
	Language string `gorm:"column:language;size:8;not null;default:''"`
}

func (m18User) TableName() string { return "users" }

// seedTermLabels are the frozen Tajik, Uzbek and Kyrgyz labels of migration 18, by kind and
// code: {tg, uz, ky}. A region without one shows its Russian label to a reader of those
// languages, as they are written in Russian on every document.
var seedTermLabels = map[string]map[string][3]string{
	"category": {
		"illegal_detention":        {"Боздошти ғайриқонунӣ", "Noqonuniy hibsga olish", "Мыйзамсыз кармоо"},
		"raid":                     {"Рейди полис", "Politsiya reydi", "Полициянын рейди"},
		"document_destruction":     {"Нобуд кардани ҳуҷҷатҳо", "Hujjatlarni yo‘q qilish", "Документтерди жок кылуу"},
		"police_extortion":         {"Тамаъҷӯӣ ё дуздии полис", "Politsiya tovlamachiligi yoki o‘g‘riligi", "Полициянын опузалап акча талап кылуусу"},
		"police_violence":          {"Зӯроварии полис", "Politsiya zo‘ravonligi", "Полициянын зомбулугу"},
		"deportation":              {"Ихроҷ ё депортатсия", "Chiqarib yuborish yoki deportatsiya", "Чыгарып жиберүү же депортация"},
		"forced_return":            {"Рабудан ё баргардонидани маҷбурӣ", "O‘g‘irlash yoki majburiy qaytarish", "Уурдоо же мажбурлап кайтаруу"},
		"entry_ban":                {"Манъи вуруд", "Kirish taqiqi", "Кирүүгө тыюу"},
		"hate_crime":               {"Ҷинояти нафрат", "Nafrat jinoyati", "Жек көрүү кылмышы"},
		"discrimination":           {"Табъиз", "Kamsitish", "Басмырлоо"},
		"labour_exploitation":      {"Истисмори меҳнатӣ", "Mehnat ekspluatatsiyasi", "Эмгектик эксплуатация"},
		"protest_related":          {"Таъқиб барои эътироз", "Norozilik uchun ta’qib", "Нааразылык үчүн куугунтук"},
		"transnational_repression": {"Фишори фаромиллӣ", "Transmilliy repressiya", "Трансулуттук куугунтук"},
		"conscription_pressure":    {"Маҷбур кардан ба хизмати ҳарбӣ", "Harbiy xizmatga majburlash", "Аскерге мажбурлоо"},
		"detention_conditions":     {"Шароити нигоҳдорӣ", "Saqlash sharoitlari", "Кармоо шарттары"},
		"consultation":             {"Машварат (танҳо маълумот)", "Maslahat (faqat ma’lumot)", "Кеңеш (маалымат гана)"},
		"other":                    {"Дигар", "Boshqa", "Башка"},
	},
	"perpetrator": {
		"police":                 {"Полис", "Politsiya", "Полиция"},
		"migration_service":      {"Хадамоти муҳоҷират", "Migratsiya xizmati", "Миграция кызматы"},
		"other_state":            {"Мақоми дигари давлатӣ", "Boshqa davlat organi", "Башка мамлекеттик орган"},
		"court":                  {"Суд", "Sud", "Сот"},
		"employer":               {"Корфармо", "Ish beruvchi", "Иш берүүчү"},
		"home_country_officials": {"Мақомоти кишвари худ", "O‘z mamlakati rasmiylari", "Өз өлкөсүнүн бийлиги"},
		"private_persons":        {"Шахсони хусусӣ", "Xususiy shaxslar", "Жеке адамдар"},
		"unknown":                {"Номаълум", "Noma’lum", "Белгисиз"},
	},
	"outcome": {
		"released":             {"Озод карда шуд", "Ozod qilindi", "Бошотулду"},
		"fine_paid":            {"Ҷарима пардохт шуд", "Jarima to‘landi", "Айып пул төлөндү"},
		"expulsion_ordered":    {"Ихроҷ таъин шуд", "Chiqarib yuborish tayinlandi", "Чыгарып жиберүү дайындалды"},
		"expulsion_overturned": {"Ихроҷ бекор шуд", "Chiqarib yuborish bekor qilindi", "Чыгарып жиберүү жокко чыгарылды"},
		"deported":             {"Депортатсия шуд", "Deportatsiya qilindi", "Депортацияланды"},
		"returned_forcibly":    {"Маҷбуран баргардонида шуд", "Majburan qaytarildi", "Мажбурлап кайтарылды"},
		"documents_restored":   {"Ҳуҷҷатҳо барқарор шуданд", "Hujjatlar tiklandi", "Документтер калыбына келтирилди"},
		"money_returned":       {"Пул баргардонида шуд", "Pul qaytarildi", "Акча кайтарылды"},
		"referred":             {"Ба ташкилоти дигар фиристода шуд", "Boshqa tashkilotga yo‘naltirildi", "Башка уюмга жөнөтүлдү"},
		"information_given":    {"Маълумот дода шуд", "Ma’lumot berildi", "Маалымат берилди"},
		"lost_contact":         {"Алоқа гум шуд", "Aloqa uzildi", "Байланыш үзүлдү"},
		"other":                {"Дигар", "Boshqa", "Башка"},
	},
	"place_type": {
		"street":           {"Кӯча", "Ko‘cha", "Көчө"},
		"metro":            {"Метро ё нақлиёт", "Metro yoki transport", "Метро же транспорт"},
		"market":           {"Бозор", "Bozor", "Базар"},
		"workplace":        {"Ҷои кор", "Ish joyi", "Иш орду"},
		"home":             {"Манзил ё хобгоҳ", "Uy yoki yotoqxona", "Үй же жатакана"},
		"mosque":           {"Масҷид", "Masjid", "Мечит"},
		"police_station":   {"Шӯъбаи полис", "Politsiya bo‘limi", "Полиция бөлүмү"},
		"detention_centre": {"Маркази нигоҳдорӣ", "Saqlash markazi", "Кармоо борбору"},
		"court":            {"Суд", "Sud", "Сот"},
		"airport_border":   {"Фурудгоҳ ё сарҳад", "Aeroport yoki chegara", "Аэропорт же чек ара"},
		"online":           {"Онлайн", "Onlayn", "Онлайн"},
		"other":            {"Дигар", "Boshqa", "Башка"},
	},
	"channel": {
		"phone":    {"Телефон", "Telefon", "Телефон"},
		"whatsapp": {"WhatsApp", "WhatsApp", "WhatsApp"},
		"telegram": {"Telegram", "Telegram", "Telegram"},
		"walk_in":  {"Ташрифи шахсӣ", "Shaxsan kelish", "Жеке келүү"},
		"email":    {"Почтаи электронӣ", "Elektron pochta", "Электрондук почта"},
		"other":    {"Дигар", "Boshqa", "Башка"},
	},
	"citizenship": {
		"TJ": {"Тоҷикистон", "Tojikiston", "Тажикстан"},
		"UZ": {"Ӯзбекистон", "O‘zbekiston", "Өзбекстан"},
		"KG": {"Қирғизистон", "Qirg‘iziston", "Кыргызстан"},
		"RU": {"Русия", "Rossiya", "Россия"},
		"AF": {"Афғонистон", "Afg‘oniston", "Афганистан"},
		"AM": {"Арманистон", "Armaniston", "Армения"},
		"AZ": {"Озарбойҷон", "Ozarbayjon", "Азербайжан"},
		"BY": {"Беларус", "Belarus", "Беларусь"},
		"CN": {"Чин", "Xitoy", "Кытай"},
		"GE": {"Гурҷистон", "Gruziya", "Грузия"},
		"IN": {"Ҳиндустон", "Hindiston", "Индия"},
		"KZ": {"Қазоқистон", "Qozog‘iston", "Казакстан"},
		"MD": {"Молдова", "Moldova", "Молдова"},
		"MN": {"Муғулистон", "Mo‘g‘uliston", "Монголия"},
		"KP": {"Кореяи Шимолӣ", "Shimoliy Koreya", "Түндүк Корея"},
		"SY": {"Сурия", "Suriya", "Сирия"},
		"TR": {"Туркия", "Turkiya", "Түркия"},
		"TM": {"Туркманистон", "Turkmaniston", "Түркмөнстан"},
		"UA": {"Украина", "Ukraina", "Украина"},
		"VN": {"Ветнам", "Vyetnam", "Вьетнам"},
		"XX": {"Бешаҳрвандӣ / номаълум", "Fuqaroligi yo‘q / noma’lum", "Жарандыгы жок / белгисиз"},
	},
	"language": {
		"ru": {"Русӣ", "Rus tili", "Орус тили"},
		"tg": {"Тоҷикӣ", "Tojik tili", "Тажик тили"},
		"uz": {"Ӯзбекӣ", "O‘zbek tili", "Өзбек тили"},
		"ky": {"Қирғизӣ", "Qirg‘iz tili", "Кыргыз тили"},
		"kk": {"Қазоқӣ", "Qozoq tili", "Казак тили"},
		"tk": {"Туркманӣ", "Turkman tili", "Түркмөн тили"},
		"az": {"Озарӣ", "Ozarbayjon tili", "Азербайжан тили"},
		"hy": {"Арманӣ", "Arman tili", "Армян тили"},
		"ka": {"Гурҷӣ", "Gruzin tili", "Грузин тили"},
		"fa": {"Форсӣ (дарӣ)", "Fors tili (dariy)", "Фарсы тили (дари)"},
		"en": {"Англисӣ", "Ingliz tili", "Англис тили"},
	},
	"region": {
		"RU-MOW": {"Маскав", "Moskva", "Москва"},
		"RU-MOS": {"Вилояти Маскав", "Moskva viloyati", "Москва облусу"},
		"RU-SPE": {"Санкт-Петербург", "Sankt-Peterburg", "Санкт-Петербург"},
		"RU-LEN": {"Вилояти Ленинград", "Leningrad viloyati", "Ленинград облусу"},
		"RU-SVE": {"Вилояти Свердловск", "Sverdlovsk viloyati", "Свердловск облусу"},
		"RU-SAM": {"Вилояти Самара", "Samara viloyati", "Самара облусу"},
		"RU-KLU": {"Вилояти Калуга", "Kaluga viloyati", "Калуга облусу"},
		"RU-AMU": {"Вилояти Амур", "Amur viloyati", "Амур облусу"},
		"RU-BEL": {"Вилояти Белгород", "Belgorod viloyati", "Белгород облусу"},
		"XX":     {"Берун аз Русия / номаълум", "Rossiyadan tashqarida / noma’lum", "Россиядан тышкары / белгисиз"},
	},
}

func migrate0018(tx *gorm.DB) error {
	m := tx.Migrator()
	for _, col := range []string{"LabelTG", "LabelUZ", "LabelKY"} {
		if err := m.AddColumn(&m18Term{}, col); err != nil {
			return err
		}
	}
	if err := m.AddColumn(&m18User{}, "Language"); err != nil {
		return err
	}
	for kind, terms := range seedTermLabels {
		for code, l := range terms {
			if err := tx.Table("terms").Where("kind = ? AND code = ?", kind, code).
				Updates(map[string]any{"label_tg": l[0], "label_uz": l[1], "label_ky": l[2]}).Error; err != nil {
				return err
			}
		}
	}
	return nil
}
